import { useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, Collapsible, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { Checklist, ChecklistStep } from "./onboarding.server";
import { useToast } from "./ui";

/**
 * The admin home's setup checklist (issue 13): open while a step is left, folded to one line when
 * every step is done (the merchant can open it again). Each step links to where it is done; the
 * steps with a sensible default can also be completed by keeping it.
 */
const TITLES: Record<ChecklistStep, string> = {
  block: "Add the Skin scan block to your theme",
  notice: "Review the consent notice",
  provider: "Choose the analysis provider and region",
  rules: "Set recommendation rules",
  first_scan: "See the first scan",
};
const ACTIONS: Record<ChecklistStep, string> = {
  block: "Open the theme editor",
  notice: "Open the notice",
  provider: "Open settings",
  rules: "Open recommendations",
  first_scan: "Open your store",
};
const KEEP: Partial<Record<ChecklistStep, string>> = {
  notice: "Keep the shipped text",
  provider: "Keep the built-in engine",
  rules: "Keep the default rules",
};

type ConfirmResult = { ok: true; toast: string } | { ok: false; errors: Record<string, string> };

export function SetupChecklist({ checklist }: { checklist: Checklist }) {
  const [open, setOpen] = useState(!checklist.complete);
  // The last step done folds the list away; a step undone (say, the block removed) opens it again.
  useEffect(() => setOpen(!checklist.complete), [checklist.complete]);
  const fetcher = useFetcher<ConfirmResult>();
  useToast(fetcher.data && "toast" in fetcher.data ? fetcher.data : undefined);
  const total = checklist.items.length;
  const busyStep = fetcher.state !== "idle" ? fetcher.formData?.get("step") : null;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {checklist.complete ? "Setup complete" : "Set up ScanShield"}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {`${checklist.done} of ${total} steps done`}
            </Text>
          </BlockStack>
          <Button
            variant="tertiary"
            disclosure={open ? "up" : "down"}
            onClick={() => setOpen((o) => !o)}
            ariaExpanded={open}
            ariaControls="setup-checklist-steps"
          >
            {open ? "Hide steps" : "Show steps"}
          </Button>
        </InlineStack>
        <ProgressBar progress={(checklist.done / total) * 100} size="small" tone="success" />
        <Collapsible id="setup-checklist-steps" open={open} transition={{ duration: "150ms" }}>
          <ol aria-label="Setup steps" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {checklist.items.map((item) => (
              <li key={item.step}>
                <Box paddingBlock="300" borderBlockStartWidth="025" borderColor="border-secondary">
                  <BlockStack gap="200">
                    <InlineStack gap="200" blockAlign="center" wrap={false}>
                      <Badge tone={item.done ? "success" : undefined} progress={item.done ? "complete" : "incomplete"}>
                        {item.done ? "Done" : "To do"}
                      </Badge>
                      <Text as="h3" variant="headingSm">
                        {TITLES[item.step]}
                      </Text>
                    </InlineStack>
                    <Text as="p" tone="subdued">
                      {item.detail}
                    </Text>
                    <InlineStack gap="200">
                      <Button
                        url={item.url}
                        target={item.external ? "_blank" : undefined}
                        variant={item.done ? "plain" : "primary"}
                        accessibilityLabel={`${ACTIONS[item.step]}: ${TITLES[item.step]}`}
                      >
                        {ACTIONS[item.step]}
                      </Button>
                      {item.confirmable && !item.done ? (
                        <fetcher.Form method="post">
                          <input type="hidden" name="intent" value="confirm-step" />
                          <input type="hidden" name="step" value={item.step} />
                          <Button submit loading={busyStep === item.step}>
                            {KEEP[item.step]}
                          </Button>
                        </fetcher.Form>
                      ) : null}
                    </InlineStack>
                  </BlockStack>
                </Box>
              </li>
            ))}
          </ol>
        </Collapsible>
      </BlockStack>
    </Card>
  );
}
