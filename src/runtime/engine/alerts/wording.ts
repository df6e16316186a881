/**
 * Number and comparison wording shared by the alert renderer and the rate
 * measures' phrases (measures/): one way to write a figure everywhere.
 */
import type { Band } from '../baseline/bands.js';
import type { Finding, WindowFigure } from './open-alert.js';

/** `4812` → `4,812`; fractions to one decimal. Deterministic (fixed locale). */
export function fmt(n: number): string {
  const v = Number.isInteger(n) ? n : Math.round(n * 10) / 10;
  return v.toLocaleString('en-US');
}

/** Two decimals, as stored figures (scores, ratios, points) are kept and shown. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function ratioText(r: number): string {
  return r >= 10 ? String(Math.round(r)) : String(Math.round(r * 10) / 10);
}

/** The window a rate finding is named after (its peak's), else its first. */
export function leadingWindow(f: Finding): WindowFigure | undefined {
  return f.windows.find((w) => w.label === f.windowLabel) ?? f.windows[0];
}

const BAND_WORDS: Record<Band, string> = { business: 'business-hours', off_hours: 'off-hours', weekend: 'weekend', weekday: 'weekday' };

/** ", 96× their usual 50" / ", above the 24h budget of 3,000": how the observed figure compares with what decided. */
export function comparison(f: Finding, w: WindowFigure): string {
  const d = w.decision;
  if (d.type === 'budget') return `, above the ${w.label} budget of ${fmt(d.limit)}`;
  if (d.usual === null) return `, above the limit of ${fmt(d.limit)}`;
  const ratio = `${ratioText(f.observed / Math.max(d.usual, 1))}×`;
  const peers = d.source === 'own' && d.peers !== null && d.peers.skipped === null ? ` (peers: ${fmt(d.peers.median)})` : '';
  if (d.source === 'own') return `, ${ratio} their usual ${fmt(d.usual)}${peers}`;
  if ((d.source === 'own_other_band' || d.source === 'peers_other_band') && d.rareBand !== null) {
    const days = d.own?.days ?? 0;
    const whose = d.source === 'own_other_band' ? 'their' : "their peers'";
    return `, ${ratio} ${whose} usual ${BAND_WORDS[d.rareBand.band]} level of ${fmt(d.usual)}, at a time of the week they worked on ${days === 0 ? 'no' : fmt(days)} day${days === 1 ? '' : 's'} of their history`;
  }
  if (d.source === 'peers') return `, ${ratio} the peer norm of ${fmt(d.usual)} (no own history yet)`;
  if (d.source === 'org') return `, ${ratio} the organisation's usual ${fmt(d.usual)} (too little history of the role yet)`;
  return `, ${ratio} the role norm of ${fmt(d.usual)}`;
}

/**
 * ", 2.3× their usual day of 30 (5 days with reads)": a window of several
 * days (customer_days), its level of days compared with the usual day.
 */
export function daysComparison(f: Finding, w: WindowFigure): string {
  const d = w.decision;
  const active = d.days?.active ?? 1;
  const tail = ` (${fmt(active)} day${active === 1 ? '' : 's'} with reads)`;
  if (d.usual === null) return `, above the limit of ${fmt(d.limit)}${tail}`;
  const whose = d.source === 'own' ? 'their usual day' : d.source === 'peers' ? 'the peer norm' : 'the role norm';
  return `, ${ratioText(f.observed / Math.max(d.usual, 1))}× ${whose} of ${fmt(d.usual)} before them${tail}`;
}
