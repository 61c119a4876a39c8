import { describe, expect, it } from 'vitest';
import { redisOptions } from '../../../src/distributed/connection.js';
import { redisFlag } from '../../../src/cli/redis.js';
import { CliError } from '../../../src/cli/io.js';

describe('review: Redis URLs', () => {
  it('a unix: URL with a host (two slashes, not three) is refused, not read as another socket', () => {
    expect(() => redisOptions('unix://tmp/redis.sock', 'x')).toThrow(/unix:\/\/\/path/);
    expect(() => redisOptions('unix://tmp/redis.sock', 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(redisOptions('unix:///tmp/redis.sock', 'x')).toMatchObject({ path: '/tmp/redis.sock' });
  });

  it('a malformed percent escape in the user or password is a usage error, not an internal one', () => {
    expect(() => redisOptions('redis://:p%zz@host:6379', 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => redisFlag('redis://u%zz:pw@host', undefined)).toThrow(CliError);
    // …and the message never shows the password.
    expect(() => redisFlag('redis://:s3cret%zz@host', undefined)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
    expect(redisOptions('redis://u:p%40ss@host', 'x')).toMatchObject({ username: 'u', password: 'p@ss' });
    expect(() => redisOptions('unix:///tmp/%zz.sock', 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  it('no message about a bad URL shows its password', () => {
    for (const url of ['redis://:s3cret@host/abc', 'redis://u:s3cret@host:6379/x', 'unix://:s3cret@/?db=x', 'redis://u:s3cret@host:99999', 'http://u:s3cret@host']) {
      let message = '';
      try {
        redisOptions(url, 'x');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('s3cret');
    }
  });
});
