/**
 * The charge and refund state diagrams of docs/architecture.md, rendered as mermaid from
 * the transition tables in src/domain/status.ts, so the picture cannot drift from the
 * code: test/docs/architecture-doc.test.ts checks the document holds exactly these blocks.
 */
import {
  CHARGE_STATUSES,
  REFUND_STATUSES,
  canTransitionCharge,
  canTransitionRefund,
} from '../src/domain/status.js';

function stateDiagram<S extends string>(
  statuses: readonly S[],
  initial: S,
  canTransition: (from: S, to: S) => boolean,
): string {
  const lines = ['```mermaid', 'stateDiagram-v2', `  [*] --> ${initial}`];
  for (const from of statuses) {
    const next = statuses.filter((to) => canTransition(from, to));
    for (const to of next) lines.push(`  ${from} --> ${to}`);
    if (next.length === 0) lines.push(`  ${from} --> [*]`);
  }
  lines.push('```');
  return lines.join('\n');
}

export const chargeDiagram = (): string => stateDiagram(CHARGE_STATUSES, 'pending', canTransitionCharge);
export const refundDiagram = (): string => stateDiagram(REFUND_STATUSES, 'pending', canTransitionRefund);
