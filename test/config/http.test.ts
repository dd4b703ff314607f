/** The `http` key (SPEC-BEYOND §13): listen forms, tokens, roles, anonymous and its safety rule. */
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, parseListen } from '../../src/config/http.js';
import { cleanupTemp, errorOf, loadYaml } from './helpers.js';

afterEach(cleanupTemp);

const SHA = 'a'.repeat(64);

describe('http configuration', () => {
  it.each([
    ['127.0.0.1:8250', { kind: 'tcp', host: '127.0.0.1', port: 8250 }],
    ['[::1]:8250', { kind: 'tcp', host: '::1', port: 8250 }],
    ['0.0.0.0:0', { kind: 'tcp', host: '0.0.0.0', port: 0 }],
    ['localhost:80', { kind: 'tcp', host: 'localhost', port: 80 }],
    ['unix:/run/dsari.sock', { kind: 'unix', path: '/run/dsari.sock' }],
    ['unix:dsari.sock', { kind: 'unix', path: '/etc/dsari/dsari.sock' }],
  ])('reads listen %s', (text, want) => {
    expect(parseListen(text, '/etc/dsari')).toEqual(want);
  });

  it.each([
    ['8250', /host:port/],
    ['::1:8250', /in brackets: \[::1\]:8250/],
    ['[nothost]:1', /host:port/],
    ['[1.2.3.4]:1', /not an IPv6 address/],
    ['host:70000', /out of range/],
    ['unix:', /unix:\/path/],
  ])('refuses listen %s', (text, message) => {
    expect(parseListen(text, '/etc')).toMatch(message);
  });

  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['localhost', true], ['0.0.0.0', false], ['::', false], ['192.168.1.2', false],
  ])('loopback %s: %s', (host, want) => {
    expect(isLoopback({ kind: 'tcp', host, port: 1 })).toBe(want);
  });

  it('defaults anonymous to read on loopback, none elsewhere; keeps tokens by digest', () => {
    expect(loadYaml('http: {listen: "127.0.0.1:1"}\n').http).toMatchObject({ anonymous: 'read', tokens: [], publicUrl: null });
    const c = loadYaml(`http:\n  listen: "0.0.0.0:1"\n  public_url: https://dsari.example.org\n  tokens:\n    - {name: a, sha256: "${SHA.toUpperCase()}", role: admin}\n`);
    expect(c.http).toMatchObject({ anonymous: 'none', publicUrl: 'https://dsari.example.org', tokens: [{ name: 'a', sha256: SHA, role: 'admin' }] });
    expect(loadYaml('jobs: {}\n').http).toBeNull();
  });

  it.each([
    ['http: {listen: "0.0.0.0:8250", anonymous: read}', /http: anonymous: listen "0\.0\.0\.0:8250" is reachable from other hosts and anonymous: read with no tokens/],
    ['http: {anonymous: none}', /http: listen: required/],
    ['http: {listen: 8250}', /http: listen: expected a string, found/],
    ['http: {listen: "127.0.0.1:1", anonymous: write}', /http: anonymous: expected "none" or "read"/],
    ['http: {listen: "127.0.0.1:1", tokens: [{name: a, sha256: "abc", role: read}]}', /http: tokens: item 1: sha256: required: the 64 hex digits/],
    [`http: {listen: "127.0.0.1:1", tokens: [{name: a, sha256: "${SHA}", role: root}]}`, /http: tokens: item 1: role: expected one of read, operate, admin, found "root"/],
    [`http: {listen: "127.0.0.1:1", tokens: [{name: a, sha256: "${SHA}", role: read}, {name: a, sha256: "${SHA}", role: read}]}`, /item 2: name: another token is already named "a"/],
    ['http: {listen: "127.0.0.1:1", public_url: "dsari.example.org"}', /public_url: expected an http/],
  ])('refuses %s', (yaml, message) => {
    expect(errorOf(() => loadYaml(`${yaml}\n`))).toMatch(message);
  });
});
