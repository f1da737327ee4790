// docs/configuration.md is the one table of environment variables: every variable a config
// parser reads is in it under that component, and every application variable it lists for a
// component is one that component's parser reads. README, docs/function.md and
// docs/CONTRACT.md link to it instead of tabling the variables again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFunctionConfig } from '../../function/src/config.js';
import { parseClassifierConfig } from '../../services/classifier/src/config.js';
import { parseDetectorConfig } from '../../services/detector/src/config.js';
import { documentedEnv, parseTracking, readText, type Component } from './helpers.js';

const PARSERS: Record<Component, (env: Record<string, string | undefined>) => unknown> = {
  function: parseFunctionConfig,
  detector: parseDetectorConfig,
  classifier: parseClassifierConfig,
};

const documented = documentedEnv();

describe('docs/configuration.md', () => {
  for (const [component, parse] of Object.entries(PARSERS) as [
    Component,
    typeof parseFunctionConfig,
  ][]) {
    it(`lists every variable the ${component} reads, and only those, under ${component}`, () => {
      const { read } = parseTracking(parse, {});
      const listed = new Set(
        documented.filter((v) => v.components.has(component)).map((v) => v.name),
      );
      for (const name of read)
        assert.ok(
          listed.has(name),
          `the ${component} reads ${name}; docs/configuration.md lacks it`,
        );
      for (const v of documented.filter((d) => !d.sdk && d.components.has(component)))
        assert.ok(
          read.has(v.name),
          `docs/configuration.md lists ${v.name} for the ${component}, which never reads it`,
        );
    });
  }

  it('names each variable once', () => {
    const names = documented.map((v) => v.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
  });

  it('is linked from README, docs/function.md and docs/CONTRACT.md, which hold no table of their own', () => {
    for (const [path, link] of [
      ['README.md', 'docs/configuration.md'],
      ['docs/function.md', 'configuration.md'],
      ['docs/CONTRACT.md', 'configuration.md'],
    ] as const) {
      const text = readText(path);
      assert.ok(text.includes(`(${link})`), `${path} does not link to ${link}`);
      const tabled = text
        .split('\n')
        .filter((line) => /^\|\s*`(MAX_BODY_BYTES|GRPC_PORT|DETECTOR_ADDR)`/.test(line));
      assert.deepEqual(tabled, [], `${path} tables variables again`);
    }
  });
});
