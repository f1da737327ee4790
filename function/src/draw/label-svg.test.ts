import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLabelSvg, escapeXml } from './label-svg.js';

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    assert.equal(
      escapeXml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });
});

describe('buildLabelSvg', () => {
  it('draws the background and the escaped text in local coordinates', () => {
    const layout = {
      background: { x: 100, y: 183, width: 74, height: 17 },
      textX: 104,
      textY: 196,
    };
    assert.equal(
      buildLabelSvg(layout, 'ripe <&> 50%', '#1c1c1c', 12),
      '<svg xmlns="http://www.w3.org/2000/svg" width="74" height="17">' +
        '<rect width="74" height="17" fill="#1c1c1c"/>' +
        '<text x="4" y="13" fill="#ffffff" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="12">ripe &lt;&amp;&gt; 50%</text>' +
        '</svg>',
    );
  });
});
