import { describe, expect, it } from 'vitest';
import { describeMysql, redactDsn, scrubSecrets } from '../../src/store/redact.js';

describe('store: passwords never shown', () => {
  it.each([
    ['postgresql://u:secret@h:5432/db', 'postgresql://u:REDACTED@h:5432/db'],
    ['postgres://u:se%40cret@h/db?sslmode=require', 'postgres://u:REDACTED@h/db?sslmode=require'],
    ['postgresql://h/db?user=u&password=secret', 'postgresql://h/db?user=u&password=REDACTED'],
    ['mysql://root:secret@h:3306/db', 'mysql://root:REDACTED@h:3306/db'],
    ["host=h password='a secret' dbname=d", 'host=h password=REDACTED dbname=d'],
    ['host=h password=secret dbname=d', 'host=h password=REDACTED dbname=d'],
    ['postgresql://u@h/db', 'postgresql://u@h/db'],
  ])('%s', (dsn, shown) => {
    expect(redactDsn(dsn)).toBe(shown);
  });

  it('describes MySQL connections without the password and scrubs echoed secrets', () => {
    expect(describeMysql({ host: 'db', user: 'u', passwd: 'secret', db: 'd' })).toBe('u@db:3306/d');
    expect(scrubSecrets('Access denied (using password secret)', ['secret'])).toBe('Access denied (using password REDACTED)');
  });
});
