import { Agent, request } from 'undici';
import { checkTargetUrl, defaultAllowPrivateTargets, guardedLookup } from '../../deliveries/ssrf.js';

const allowPrivate = defaultAllowPrivateTargets();
const guardedAgent = new Agent({ connect: { lookup: guardedLookup(allowPrivate) as never } });

export interface ReachRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/**
 * One request from a simulator to a merchant (a notification, a redirect followed), over
 * HTTP like any provider's, behind the notify SSRF guard (private targets only where the
 * operator allows them: not in production). The answer's status and body, or null when
 * nothing answered.
 */
export async function reachMerchant(r: ReachRequest): Promise<{ status: number; text: string } | null> {
  try {
    checkTargetUrl(r.url, allowPrivate);
    const res = await request(r.url, {
      method: r.method,
      headers: r.headers,
      body: r.body,
      dispatcher: guardedAgent,
      headersTimeout: r.timeoutMs,
      bodyTimeout: r.timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text().catch(() => '') };
  } catch {
    return null;
  }
}
