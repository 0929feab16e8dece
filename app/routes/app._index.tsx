import type { LoaderFunctionArgs } from "@remix-run/node";
import { BlockStack, Card, Layout, List, Page, Text } from "@shopify/polaris";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};

export default function Index() {
  return (
    <Page title="ScanShield">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Privacy status
              </Text>
              <List type="bullet">
                <List.Item>
                  Zero image retention by default: shopper photos are analysed and discarded unless the shopper opts in
                  to keeping them.
                </List.Item>
                <List.Item>
                  Shopify compliance webhooks (customer data requests, customer redaction and shop redaction) are
                  handled automatically.
                </List.Item>
              </List>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
