import { describe, expect, it } from 'vitest';
import { classifyNetworkError } from '../../src/util/network-error.js';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyNetworkError', () => {
  it('reads the code along the cause chain (undici)', () => {
    expect(classifyNetworkError(fetchFailed(coded('ENOTFOUND')))).toEqual({ cause: 'dns', code: 'ENOTFOUND' });
    expect(classifyNetworkError(fetchFailed(coded('EAI_AGAIN')))).toEqual({ cause: 'dns', code: 'EAI_AGAIN' });
    expect(classifyNetworkError(fetchFailed(coded('ECONNREFUSED')))).toEqual({ cause: 'refused', code: 'ECONNREFUSED' });
    expect(classifyNetworkError(fetchFailed(coded('UND_ERR_CONNECT_TIMEOUT')))).toEqual({ cause: 'timeout', code: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(classifyNetworkError(fetchFailed(coded('CERT_HAS_EXPIRED')))).toEqual({ cause: 'tls', code: 'CERT_HAS_EXPIRED' });
    expect(classifyNetworkError(fetchFailed(coded('ERR_TLS_CERT_ALTNAME_INVALID')))).toEqual({ cause: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifyNetworkError(fetchFailed(coded('UND_ERR_SOCKET')))).toEqual({ cause: 'reset', code: 'UND_ERR_SOCKET' });
    expect(classifyNetworkError(fetchFailed(coded('EHOSTUNREACH')))).toEqual({ cause: 'unreachable', code: 'EHOSTUNREACH' });
  });

  it('takes the first error of an AggregateError (several addresses tried)', () => {
    const aggregate = Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''), {});
    expect(classifyNetworkError(fetchFailed(aggregate))).toEqual({ cause: 'refused', code: 'ECONNREFUSED' });
  });

  it('falls back to the message where the runtime gives no code (Workers), and to "other"', () => {
    expect(classifyNetworkError(new Error('Network connection lost.'))).toEqual({ cause: 'reset' });
    expect(classifyNetworkError(new TypeError('DNS lookup failed'))).toEqual({ cause: 'dns' });
    expect(classifyNetworkError(fetchFailed(coded('E_WEIRD\u0000<x>')))).toEqual({ cause: 'other', code: 'E_WEIRDx' });
    expect(classifyNetworkError('not an error')).toEqual({ cause: 'other' });
    expect(classifyNetworkError(undefined)).toEqual({ cause: 'other' });
  });
});
