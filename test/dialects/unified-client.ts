import { createHash } from 'node:crypto';

/**
 * A unified-platform client written from the document (specs/unified-pay-platform-api.md)
 * and FACTS.md, independent of the server's code: the merchant side signs the cashier
 * entry URL (sha1 of every non-empty value plus domainSecret, sorted), and the page side
 * calls the REST API the way the document's jQuery samples do.
 */
export const DTO_FIELDS = [
  'domainCode',
  'payTypeCode',
  'requestChannel',
  'money',
  'info',
  'infoEn',
  'requestKey',
  'currencyType',
  'pageUrl',
  'bgUrl',
  'dialogOkUrl',
  'dialogFailUrl',
  'rate',
  'payTypeCodeIn',
] as const;

export function docSign(values: string[], secret: string): string {
  const all = [...values.filter((v) => v !== ''), secret].sort();
  return createHash('sha1').update(all.join(''), 'utf8').digest('hex');
}

export type Dto = Record<string, string>;
export interface Body {
  errcode: string;
  errormsg: string;
  obj: any;
}

export class UnifiedClient {
  constructor(
    readonly base: string,
    readonly domainCode: string,
    readonly secret: string,
  ) {}

  /** The merchant's signed entry parameters (what goes after pay.html#/?). */
  entry(order: Partial<Dto>): Dto {
    const dto: Dto = {};
    for (const f of DTO_FIELDS) dto[f] = order[f] ?? '';
    dto.domainCode = order.domainCode ?? this.domainCode;
    dto.sign = docSign(
      DTO_FIELDS.map((f) => dto[f]!),
      this.secret,
    );
    return dto;
  }

  entryUrl(scene: 'pc' | 'h5', dto: Dto): string {
    const page = scene === 'pc' ? 'pay.html' : 'mpay.html';
    return `${this.base}/${page}#/?${Object.entries(dto)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&')}`;
  }

  async payTypes(paySceneName: string, domainCode = this.domainCode) {
    return this.get('/pay/api/pc/pay-types', { domainCode, paySceneName });
  }

  async pcPay(dto: Dto) {
    return this.post('/pay/api/pc/pay', dto);
  }

  async h5Pay(dto: Dto) {
    return this.post('/pay/api/h5/pay', dto);
  }

  async wechatQuery(dto: Dto) {
    return this.get('/pay/api/pc/wechatQuery', dto);
  }

  async query(requestKey: string, sign?: string) {
    const s = sign ?? docSign([this.domainCode, requestKey], this.secret);
    return this.get('/pay/api/private/pay/query', { domainCode: this.domainCode, requestKey, sign: s });
  }

  async queryInfo(requestKey: string) {
    const sign = docSign([this.domainCode, requestKey], this.secret);
    return this.get('/pay/api/private/pay/queryInfo', { domainCode: this.domainCode, requestKey, sign });
  }

  async get(path: string, params: Dto): Promise<{ status: number; body: Body }> {
    const response = await fetch(`${this.base}${path}?${new URLSearchParams(params)}`, {
      headers: { 'Content-Type': 'application/json;charset=utf-8' },
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  async post(path: string, dto: Dto | string): Promise<{ status: number; body: Body }> {
    const response = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=utf-8' },
      body: typeof dto === 'string' ? dto : JSON.stringify(dto),
    });
    return { status: response.status, body: (await response.json()) as Body };
  }
}

/** The page reads its parameters from the fragment of the entry URL. */
export function fromFragment(url: string): Dto {
  const hash = new URL(url).hash;
  return Object.fromEntries(new URLSearchParams(hash.slice(hash.indexOf('?') + 1)));
}
