import { Banner, Layout } from "@shopify/polaris";
import { quotaBanner } from "../billing/plans";

/**
 * The usage banner (P20): a warning from 80 % of the month's scan allowance, critical at 100 %
 * (scans paused); nothing below 80 %. Shown on the admin home and the Plan page.
 */
export interface QuotaFigures {
  used: number;
  plan: { name: string; monthlyScans: number };
  resetsAt: string;
}

export function QuotaBanner({
  quota,
  action,
}: {
  quota: QuotaFigures;
  action: { content: string; url: string; target?: "_top" };
}) {
  const content = quotaBanner({
    used: quota.used,
    allowance: quota.plan.monthlyScans,
    planName: quota.plan.name,
    resetsAt: quota.resetsAt,
  });
  if (!content) return null;
  return (
    <Layout.Section>
      <Banner tone={content.tone} title={content.title} action={action}>
        <p>{content.body}</p>
      </Banner>
    </Layout.Section>
  );
}
