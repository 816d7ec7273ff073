import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specPathOf, subsetOf, type OpenApiDocument, type Operation } from '../../scripts/openapi-subset.js';
import { ROUTES } from '../../src/discord/rest-handlers.js';

const specDir = new URL('../../src/discord/spec/', import.meta.url);
const subset = JSON.parse(readFileSync(new URL('openapi-subset.json', specDir), 'utf8')) as OpenApiDocument;

describe('the committed subset of Discord’s OpenAPI definition', () => {
  it('says where it comes from: discord/discord-api-spec at a commit, under the MIT license kept beside it', () => {
    expect(subset['x-source']).toMatchObject({
      repository: 'https://github.com/discord/discord-api-spec',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      file: 'specs/openapi.json',
    });
    expect(subset.info.license).toMatchObject({ identifier: 'MIT' });
    expect(readFileSync(new URL('LICENSE', specDir), 'utf8')).toMatch(/^MIT License/);
  });

  it('has one operation per emulator route, which needs the bot token exactly when the emulator asks for it', () => {
    for (const route of ROUTES) {
      const path = specPathOf(subset, route.method, route.url);
      const operation = subset.paths[path]?.[route.method.toLowerCase()] as Operation;
      const anonymousAllowed = (operation.security ?? []).some((requirement) => Object.keys(requirement).length === 0);
      expect([`${route.method} ${route.url}`, anonymousAllowed]).toEqual([`${route.method} ${route.url}`, !route.auth]);
    }
    const operationCount = Object.values(subset.paths).flatMap((item) => Object.keys(item).filter((key) => key !== 'parameters')).length;
    expect(operationCount).toBe(ROUTES.length);
  });

  it('holds every schema its operations reference and no other (cutting it again changes nothing)', () => {
    const operations = ROUTES.map((route) => ({ method: route.method, path: specPathOf(subset, route.method, route.url) }));

    expect(subsetOf(subset, operations, { 'x-source': subset['x-source'] })).toEqual(subset);
  });
});
