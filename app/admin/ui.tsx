import {
  isRouteErrorResponse,
  useActionData,
  useLocation,
  useNavigation,
  useRouteError,
  useSubmit,
} from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Card,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
  type BlockStackProps,
} from "@shopify/polaris";
import { useEffect, type ReactNode } from "react";

/**
 * Small pieces the admin pages share: a skeleton while the next page loads, toasts through App
 * Bridge, and bar charts made of Polaris primitives (polaris-viz is not a dependency) that read as
 * a table to assistive technology.
 */

/** The page, or Polaris's skeleton while a navigation to another admin page is loading. */
export function Loading({ title, children }: { title: string; children: ReactNode }) {
  const navigation = useNavigation();
  const here = useLocation();
  // Only a move to another page: a form's reload of this one keeps the page on screen.
  const elsewhere = navigation.state === "loading" && navigation.location.pathname !== here.pathname;
  if (!elsewhere) return <>{children}</>;
  return (
    <SkeletonPage title={title} primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <SkeletonDisplayText size="small" />
              <SkeletonBodyText lines={6} />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

/** Shows a toast once per new action result that carries a message. */
export function useToast(result: { toast?: string; error?: string } | undefined) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (result?.toast) shopify.toast.show(result.toast);
    else if (result?.error) shopify.toast.show(result.error, { isError: true });
  }, [result, shopify]);
}

/** A section of an admin page: a card under its own heading (h2), its content stacked below. */
export function SectionCard({
  title,
  gap = "300",
  children,
}: {
  title: string;
  gap?: BlockStackProps["gap"];
  children: ReactNode;
}) {
  return (
    <Layout.Section>
      <Card>
        <BlockStack gap={gap}>
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          {children}
        </BlockStack>
      </Card>
    </Layout.Section>
  );
}

/** What an admin page's action answers: done (with a toast and whatever `Done` adds), or refused per field. */
export type AdminActionResult<Done extends object = object> =
  ({ ok: true; toast: string } & Done) | { ok: false; errors: Record<string, string> };

/**
 * The page's side of its action: the last result, its per-field messages (empty when none), a toast once
 * it is done, whether a submission or reload is under way, and `send`, which posts a body as JSON.
 */
export function useAdminAction<Done extends object = object>() {
  const result = useActionData<AdminActionResult<Done>>();
  const errors: Record<string, string> = result && !result.ok ? result.errors : {};
  useToast(result && result.ok ? result : undefined);
  const submit = useSubmit();
  const busy = useNavigation().state !== "idle";
  const send = (body: Record<string, unknown>) =>
    submit(body as never, { method: "post", encType: "application/json" });
  return { result, errors, busy, send };
}

/** A refusal that belongs to no one field (`errors.form`), as a banner above the page's sections. */
export function FormRefusal({ message, title = "Not done" }: { message?: string; title?: string }) {
  if (!message) return null;
  return (
    <Layout.Section>
      <Banner tone="critical" title={title}>
        <p>{message}</p>
      </Banner>
    </Layout.Section>
  );
}

/**
 * A detail page's ErrorBoundary: another shop's record, or one that never existed, is the same
 * "not found" inside the admin (with a way back); any other error goes on to the layout's boundary.
 */
export function notFoundBoundary(page: {
  title: string;
  back: { content: string; url: string };
  heading: string;
  hint: string;
}) {
  return function NotFound() {
    const error = useRouteError();
    if (!isRouteErrorResponse(error) || error.status !== 404) throw error;
    return (
      <Page title={page.title} backAction={page.back}>
        <Card>
          <EmptyState heading={page.heading} image="">
            <p>{page.hint}</p>
          </EmptyState>
        </Card>
      </Page>
    );
  };
}

export interface Bar {
  label: string;
  value: number;
  /** Shown instead of the number (e.g. a percentage). */
  display?: string;
}

/** Horizontal bars: a labelled list, each bar's width proportional to its value. */
export function Bars({ title, bars, emptyText }: { title: string; bars: Bar[]; emptyText: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <BlockStack gap="200">
      <Text as="h2" variant="headingSm">
        {title}
      </Text>
      {bars.length === 0 ? (
        <Text as="p" tone="subdued">
          {emptyText}
        </Text>
      ) : (
        <ul aria-label={title} style={{ listStyle: "none", margin: 0, padding: 0 }}>
          {bars.map((bar) => (
            <li key={bar.label} style={{ marginBottom: "var(--p-space-150)" }}>
              <InlineStack align="space-between" blockAlign="center" wrap={false} gap="200">
                <Text as="span" variant="bodySm">
                  {bar.label}
                </Text>
                <Text as="span" variant="bodySm" numeric>
                  {bar.display ?? bar.value.toLocaleString("en")}
                </Text>
              </InlineStack>
              <Box background="bg-fill-secondary" borderRadius="100" minHeight="8px">
                <div
                  aria-hidden="true"
                  style={{
                    width: `${Math.round((bar.value / max) * 100)}%`,
                    minHeight: 8,
                    borderRadius: "var(--p-border-radius-100)",
                    background: "var(--p-color-bg-fill-info)",
                  }}
                />
              </Box>
            </li>
          ))}
        </ul>
      )}
    </BlockStack>
  );
}

/** Vertical daily columns with the numbers available to screen readers as a list. */
export function DailyColumns({ title, days }: { title: string; days: { day: string; value: number }[] }) {
  const max = Math.max(1, ...days.map((d) => d.value));
  return (
    <BlockStack gap="200">
      <Text as="h2" variant="headingSm">
        {title}
      </Text>
      <ul
        aria-label={title}
        style={{
          display: "flex",
          alignItems: "flex-end",
          gap: 2,
          height: 120,
          listStyle: "none",
          margin: 0,
          padding: 0,
        }}
      >
        {days.map((d) => (
          <li
            key={d.day}
            title={`${formatDate(`${d.day}T00:00:00Z`)}: ${d.value}`}
            style={{ flex: 1, height: "100%", display: "flex", alignItems: "flex-end", minWidth: 2 }}
          >
            <span
              style={{
                position: "absolute",
                width: 1,
                height: 1,
                overflow: "hidden",
                clip: "rect(0 0 0 0)",
                whiteSpace: "nowrap",
              }}
            >{`${formatDate(`${d.day}T00:00:00Z`)}: ${d.value}`}</span>
            <div
              aria-hidden="true"
              style={{
                width: "100%",
                height: `${Math.max(d.value > 0 ? 2 : 0, Math.round((d.value / max) * 100))}%`,
                background: "var(--p-color-bg-fill-info)",
                borderRadius: 2,
              }}
            />
          </li>
        ))}
      </ul>
      <InlineStack align="space-between">
        <Text as="span" variant="bodySm" tone="subdued">
          {days[0] ? formatDate(`${days[0].day}T00:00:00Z`) : null}
        </Text>
        <Text as="span" variant="bodySm" tone="subdued">
          {days.length > 1 ? formatDate(`${days.at(-1)?.day}T00:00:00Z`) : null}
        </Text>
      </InlineStack>
    </BlockStack>
  );
}

export const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}%`);

export const formatDate = (iso: string | null) =>
  iso
    ? new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
    : "–";

/**
 * Downloads a file from an admin resource route. In the embedded admin a plain link carries no
 * session token; App Bridge adds one to fetch() calls to the app's own origin, so fetch and save.
 */
export async function downloadFile(url: string, filename: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Download failed (${response.status})`);
  const href = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(href);
}

/**
 * Polaris's DataTable scrolls sideways (on a phone) inside a div a keyboard cannot reach, which axe-core
 * reports as `scrollable-region-focusable`, and DataTable takes no prop for it. The admin layout calls
 * this once: every such container, now and after each navigation, becomes a focusable, named region.
 */
export function useKeyboardScrollableTables(): void {
  useEffect(() => {
    const mark = () => {
      for (const container of document.querySelectorAll<HTMLElement>(".Polaris-DataTable__ScrollContainer")) {
        if (container.hasAttribute("tabindex")) continue;
        container.tabIndex = 0;
        container.setAttribute("role", "region");
        container.setAttribute("aria-label", "Table (scrolls sideways)");
      }
    };
    mark();
    const observer = new MutationObserver(mark);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
}
