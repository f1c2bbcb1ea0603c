// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App as AntApp } from 'antd';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import '../../i18n/setup';
import i18n from 'i18next';
import { PreferencesProvider } from '../../i18n/preferences';
import { EndpointForm } from './EndpointForm';
import { parseHeaders } from './headers';

beforeAll(async () => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
  localStorage.setItem('juhe.language', 'en-US'); // what PreferencesProvider reads
  await i18n.changeLanguage('en-US');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderForm(onSaved = vi.fn()) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <PreferencesProvider>
        <AntApp>
          <EndpointForm appId="app_000000000000000000000001" onClose={() => {}} onSaved={onSaved} />
        </AntApp>
      </PreferencesProvider>
    </QueryClientProvider>,
  );
  return onSaved;
}
const field = (id: string) => document.querySelector(`#${id}`) as HTMLInputElement;
const submit = () => act(async () => fireEvent.submit(document.querySelector('form')!));

describe('webhook endpoint form', () => {
  it('parses headers line by line and refuses a line that is no header', () => {
    expect(parseHeaders('X-Shop: 0001\n\nAuthorization:  Bearer a:b ')).toEqual({
      'X-Shop': '0001',
      Authorization: 'Bearer a:b',
    });
    expect(parseHeaders('no colon')).toBeUndefined();
    expect(parseHeaders('Bad Name: x')).toBeUndefined();
  });

  it('refuses a bad URL and a malformed header before sending anything', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const onSaved = renderForm();
    fireEvent.change(field('url'), { target: { value: 'ftp://example.com' } });
    fireEvent.change(field('headers'), { target: { value: 'no colon here' } });
    await submit();
    await waitFor(() => expect(screen.getByText('Headers must be "Name: value"')).toBeTruthy(), {
      timeout: 10_000,
    });
    expect(screen.getAllByText('http(s)://…').length).toBeGreaterThan(0);
    expect(fetch).not.toHaveBeenCalled();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it("puts the gateway's refusal next to the field it names", async () => {
    // The gateway's own error shape for a private address the SSRF guard refuses.
    const refusal = {
      error: { code: 'invalid_parameter', message: 'url resolves to a private address', param: 'url' },
    };
    const fetch = vi.fn(async () => new Response(JSON.stringify(refusal), { status: 400 }));
    vi.stubGlobal('fetch', fetch);
    renderForm();
    fireEvent.change(field('url'), { target: { value: 'https://10.0.0.1/hook' } });
    await submit();
    await waitFor(() => expect(screen.getByText('url resolves to a private address')).toBeTruthy(), {
      timeout: 10_000,
    });
    const sent = JSON.parse(String((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body));
    expect(sent).toMatchObject({
      url: 'https://10.0.0.1/hook',
      format: 'native',
      mode: 'test',
      events: ['*'],
      headers: {},
    });
    expect(document.querySelector('.ant-form-item-has-error #url')).toBeTruthy();
  });
});
