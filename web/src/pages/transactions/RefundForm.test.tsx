// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import '../../i18n/setup';
import { PreferencesProvider } from '../../i18n/preferences';
import { ApiError } from '../../api/client';
import { RefundForm } from './RefundForm';

beforeAll(() => {
  // antd's TextArea watches its size; jsdom has no layout, so nothing ever resizes.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  // antd's responsive helpers ask for matchMedia, which jsdom lacks.
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
});

function renderForm(onSubmit = vi.fn(async (_: unknown) => {}), store?: string) {
  render(
    <PreferencesProvider>
      <RefundForm currency="CNY" refundable={8800} store={store} onSubmit={onSubmit} onCancel={() => {}} />
    </PreferencesProvider>,
  );
  return onSubmit;
}

afterEach(cleanup);

describe('refund form', () => {
  it('offers the whole refundable amount, in yuan, and says the maximum', async () => {
    renderForm();
    expect((document.querySelector('#amount') as HTMLInputElement).value).toBe('88.00');
    expect(screen.getByText('最多可退 ¥88.00')).toBeTruthy();
  });

  it('refuses more than is refundable, or a third decimal, before sending anything', async () => {
    const onSubmit = renderForm();
    for (const value of ['88.01', '1.234', 'abc']) {
      fireEvent.change(document.querySelector('#amount')!, { target: { value } });
      fireEvent.change(document.querySelector('#description')!, { target: { value: '退货' } });
      await act(async () => fireEvent.submit(document.querySelector('form')!));
      await waitFor(() => expect(screen.getByText(/请输入不超过 ¥88.00 的金额/)).toBeTruthy());
    }
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('asks for a reason, then sends exact minor units', async () => {
    const onSubmit = renderForm();
    fireEvent.change(document.querySelector('#amount')!, { target: { value: '12.5' } });
    await act(async () => fireEvent.submit(document.querySelector('form')!));
    await waitFor(() => expect(screen.getByText('请填写退款原因')).toBeTruthy());
    fireEvent.change(document.querySelector('#description')!, { target: { value: ' 顾客退回一半 ' } });
    await act(async () => fireEvent.submit(document.querySelector('form')!));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith({ amount: 1250, description: '顾客退回一半' }));
  });

  it("asks a store charge's supervisor for the password and shows the server's refusal next to it", async () => {
    const onSubmit = renderForm(
      vi.fn(async () => {
        throw new ApiError(
          403,
          'forbidden',
          "The store's supervisor password is wrong",
          'supervisor_password',
        );
      }),
      'sto_1',
    );
    fireEvent.change(document.querySelector('#amount')!, { target: { value: '10' } });
    fireEvent.change(document.querySelector('#description')!, { target: { value: '退菜' } });
    await act(async () => fireEvent.submit(document.querySelector('form')!));
    await waitFor(() => expect(screen.getByText('请门店主管输入密码')).toBeTruthy());
    expect(onSubmit).not.toHaveBeenCalled();
    fireEvent.change(document.querySelector('#supervisor_password')!, { target: { value: 'boss-2468' } });
    await act(async () => fireEvent.submit(document.querySelector('form')!));
    await waitFor(() => expect(screen.getByText('门店主管密码错误')).toBeTruthy());
    expect(onSubmit).toHaveBeenCalledWith({
      amount: 1000,
      description: '退菜',
      supervisor_password: 'boss-2468',
    });
  });
});
