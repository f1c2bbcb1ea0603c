import { describe, expect, it } from 'vitest';
import { asCallerError, classifyDatabaseError, isConflict } from '../../src/db/transient.js';
import { JuheError } from '../../src/domain/errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database error classification', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['08001', 'sqlclient unable to establish sqlconnection'],
    ['57014', 'canceling statement due to statement timeout'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['25P03', 'terminating connection due to idle-in-transaction timeout'],
    ['53300', 'sorry, too many clients already'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['EPIPE', 'write EPIPE'],
  ])('%s is the database being unavailable', (code, message) => {
    expect(classifyDatabaseError(withCode(code, message))).toBe('unavailable');
  });

  // node-postgres raises these without a code: pinned so a driver upgrade that rewords them is noticed.
  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
  ])('"%s" is the database being unavailable', (message) => {
    expect(classifyDatabaseError(new Error(message))).toBe('unavailable');
  });

  it('looks through a cause (the pool wraps a connect timeout)', () => {
    expect(classifyDatabaseError(new Error('wrapped', { cause: withCode('ECONNREFUSED') }))).toBe(
      'unavailable',
    );
  });

  it('tells deadlocks and serialization failures apart: their transaction can be redone', () => {
    expect(classifyDatabaseError(withCode('40P01', 'deadlock detected'))).toBe('conflict');
    expect(classifyDatabaseError(withCode('40001', 'could not serialize access'))).toBe('conflict');
  });

  it('leaves every other error alone', () => {
    expect(classifyDatabaseError(withCode('23505', 'duplicate key'))).toBeNull();
    expect(classifyDatabaseError(withCode('42P01', 'relation does not exist'))).toBeNull();
    expect(classifyDatabaseError(new TypeError('x is undefined'))).toBeNull();
    expect(classifyDatabaseError(new JuheError('charge_not_found'))).toBeNull();
    expect(classifyDatabaseError(null)).toBeNull();
    const duplicate = withCode('23505');
    expect(asCallerError(duplicate)).toBe(duplicate);
  });

  it('hands callers a retryable 503 database_unavailable that keeps the driver error as its cause', () => {
    const driver = withCode('57P01', 'terminating connection due to administrator command');
    const error = asCallerError(driver) as JuheError;
    expect(error).toBeInstanceOf(JuheError);
    expect(error.code).toBe('database_unavailable');
    expect(error.status).toBe(503);
    expect(error.message).not.toContain('administrator');
    expect((error as { cause?: unknown }).cause).toBe(driver);
    expect(isConflict(error)).toBe(false);
  });

  it('recognises a conflict already wrapped by the storage seam', () => {
    expect(isConflict(asCallerError(withCode('40P01')))).toBe(true);
    expect(isConflict(withCode('40001'))).toBe(true);
    expect(isConflict(new JuheError('database_unavailable'))).toBe(false);
  });
});
