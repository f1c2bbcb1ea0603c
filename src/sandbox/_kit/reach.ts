import { request } from 'undici';
import { allowPrivateTargets, checkTarget, guardedAgent } from './target-guard.js';

const allowPrivate = allowPrivateTargets();
const agent = guardedAgent(allowPrivate);

export interface ReachRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/**
 * One request from a simulator to a merchant (a notification, a redirect followed), over
 * HTTP like any provider's, behind the sandbox's target guard (target-guard.ts) (private targets only where the
 * operator allows them: not in production). The answer's status and body, or null when
 * nothing answered.
 */
export async function reachMerchant(r: ReachRequest): Promise<{ status: number; text: string } | null> {
  try {
    checkTarget(r.url, allowPrivate);
    const res = await request(r.url, {
      method: r.method,
      headers: r.headers,
      body: r.body,
      dispatcher: agent,
      headersTimeout: r.timeoutMs,
      bodyTimeout: r.timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text().catch(() => '') };
  } catch {
    return null;
  }
}
