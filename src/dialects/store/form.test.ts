import { describe, expect, it } from 'vitest';
import { parseMultipart, parseUrlencoded, requestFields } from './form.js';

describe('store form parsing', () => {
  it('decodes urlencoded bodies; the last of repeated keys wins, like PHP', () => {
    expect(parseUrlencoded('open_id=a&data=3304A5&x=%E9%A6%99+%E7%83%9F&x=2&sign=s')).toEqual({
      open_id: 'a',
      data: '3304A5',
      x: '2',
      sign: 's',
    });
    expect(parseUrlencoded('ord_name=%E9%A6%99+%E7%83%9F')).toEqual({ ord_name: '香 烟' });
  });

  it('reads the text parts of a multipart body (PHP cURL with an array)', () => {
    const body = Buffer.from(
      [
        '--XyZ',
        'Content-Disposition: form-data; name="open_id"',
        '',
        'abc',
        '--XyZ',
        'Content-Disposition: form-data; name="data"',
        '',
        'line1\r\nline2',
        '--XyZ',
        'Content-Disposition: form-data; name="file"; filename="a.txt"',
        'Content-Type: text/plain',
        '',
        'ignored',
        '--XyZ--',
        '',
      ].join('\r\n'),
    );
    expect(parseMultipart(body, 'multipart/form-data; boundary=XyZ')).toEqual({
      open_id: 'abc',
      data: 'line1\r\nline2',
    });
    expect(parseMultipart(body, 'multipart/form-data')).toEqual({});
  });

  it('merges the query string under the body; other content types give no body fields', () => {
    const body = Buffer.from('data=D&sign=S');
    expect(
      requestFields({ open_id: 'O', data: 'Q' }, body, 'application/x-www-form-urlencoded; charset=UTF-8'),
    ).toEqual({
      open_id: 'O',
      data: 'D',
      sign: 'S',
    });
    expect(requestFields({}, Buffer.from('{"open_id":"O"}'), 'application/json')).toEqual({});
    expect(requestFields({ a: ['1', '2'] }, undefined, undefined)).toEqual({ a: '2' });
    expect(requestFields({}, body, undefined)).toEqual({ data: 'D', sign: 'S' });
  });
});
