/**
 * The Slack message of one alert revision: Block Kit blocks for the channel
 * and a plain `text` for notifications and clients without blocks
 * (https://api.slack.com/reference/block-kit). Pure: the same revision gives
 * the same bytes on every retry.
 *
 * Every value from the alert goes through mrkdwn escaping (&, <, >), so an
 * actor id cannot form a link or a mention (`<!channel>`), and `verbatim`
 * stops Slack from turning plain URLs and #names into links. Texts are cut
 * to Block Kit's limits, so a long summary cannot get the message refused.
 */
import type { Alert } from '../../../../../model/alert.js';

export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly verbatim?: boolean;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'actions'; readonly elements: readonly { type: 'button'; text: SlackText; url: string }[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** Block Kit's limits (characters). */
const LIMITS = { header: 150, section: 3000, field: 2000, text: 3000, buttonUrl: 3000 } as const;

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** mrkdwn control characters, as Slack asks them escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** Escaped and at most `max` characters (an ellipsis marks a cut; an entity is never split). */
export function escapedWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const c of text) {
    const piece = ENTITIES[c] ?? c;
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const mrkdwn = (text: string, max: number): SlackText => ({ type: 'mrkdwn', text: escapedWithin(text, max), verbatim: true });
const field = (label: string, value: string): SlackText => ({ type: 'mrkdwn', text: `*${label}*\n${escapedWithin(value, LIMITS.field - label.length - 3)}`, verbatim: true });

/** Two decimals at most: a baseline of 35.4999 reads 35.5. */
const figure = (n: number): string => String(Math.round(n * 100) / 100);

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function slackMessage(alert: Alert, link: string | null): SlackMessage {
  const what = alert.revision <= 1 ? 'opened' : 'escalated';
  const measured = alert.baseline === null ? `${figure(alert.observed)} observed` : `${figure(alert.observed)} observed, usual ${figure(alert.baseline)} (${alert.baseline_source ?? 'static'})`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${capitalised(alert.severity)} alert ${what}: ${alert.rule_id}`, LIMITS.header) } },
    { type: 'section', text: mrkdwn(alert.summary, LIMITS.section) },
    {
      type: 'section',
      fields: [
        field('Severity', `${alert.severity} (tier ${alert.tier})`),
        field('Actor', `${alert.actor_id} (${alert.actor_role}, ${alert.actor_department}, ${alert.employment_status})`),
        field('Rule', `${alert.rule_id} v${alert.rule_version} (${alert.rule_kind})`),
        field('Window', `${alert.window_label}: ${measured}`),
      ],
    },
  ];
  if (link !== null && link.length <= LIMITS.buttonUrl) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open alert' }, url: link }] });
  }
  blocks.push({ type: 'context', elements: [mrkdwn(`custos alert ${alert.alert_id}, revision ${alert.revision}, ${alert.event_count} events`, LIMITS.text)] });
  return { text: escapedWithin(`[${alert.severity}] ${alert.summary}`, LIMITS.text), blocks };
}
