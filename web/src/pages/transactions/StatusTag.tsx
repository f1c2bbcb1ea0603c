import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Charge } from './types';

const COLORS: Record<string, string> = {
  pending: 'gold',
  user_paying: 'processing',
  succeeded: 'success',
  failed: 'error',
  canceled: 'default',
  closed: 'default',
};

/** The guide's state of a charge: paid, (partly) refunded, unpaid, closed, failed. */
export function StatusTag({ charge }: { charge: Pick<Charge, 'status' | 'amount' | 'amount_refunded'> }) {
  const { t } = useTranslation('transactions');
  if (charge.status === 'succeeded' && charge.amount_refunded > 0) {
    const full = charge.amount_refunded >= charge.amount;
    return (
      <Tag color={full ? 'purple' : 'magenta'} data-testid="status-tag">
        {t(full ? 'state.refunded' : 'state.partial')}
      </Tag>
    );
  }
  return (
    <Tag color={COLORS[charge.status]} data-testid="status-tag">
      {t(`status.${charge.status}`)}
    </Tag>
  );
}
