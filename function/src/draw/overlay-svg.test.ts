import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildOverlaySvg, escapeXml } from './overlay-svg.js';

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    assert.equal(
      escapeXml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });
});

describe('buildOverlaySvg', () => {
  const box = { xMin: 10, yMin: 40, xMax: 110, yMax: 90 };

  it('draws outlines before labels and escapes label text', () => {
    const svg = buildOverlaySvg({ width: 200, height: 100 }, [
      { box, colour: '#fdd835', stageLabel: 'ripe <&>', stageConfidence: 0.5 },
      { box, colour: '#1c1c1c', stageLabel: 'rotten', stageConfidence: 0.25 },
    ]);
    assert.match(
      svg,
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="200" height="100" viewBox="0 0 200 100">/,
    );
    assert.ok(svg.includes('>ripe &lt;&amp;&gt; 50%</text>'));
    assert.ok(svg.includes('fill="#ffffff">rotten 25%</text>'));
    assert.ok(svg.lastIndexOf('fill="none"') < svg.indexOf('<text'));
    assert.ok(
      svg.includes(
        '<rect x="11" y="41" width="98" height="48" fill="none" stroke="#fdd835" stroke-width="2"/>',
      ),
    );
  });

  it('is an empty overlay without annotations', () => {
    assert.equal(
      buildOverlaySvg({ width: 2, height: 3 }, []),
      '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="3" viewBox="0 0 2 3"><g font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="12"></g></svg>',
    );
  });
});
