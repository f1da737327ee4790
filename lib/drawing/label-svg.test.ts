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
  it('draws the contrasting border, the stage colour and the escaped text in local coordinates', () => {
    const label = {
      rect: { x: 100, y: 183, width: 74, height: 17 },
      text: '#1 <&> 50%',
      textX: 104,
      textY: 196,
      border: 1,
    };
    assert.equal(
      buildLabelSvg(label, '#fdd835', 12),
      '<svg xmlns="http://www.w3.org/2000/svg" width="74" height="17">' +
        '<rect width="74" height="17" fill="#000000"/>' +
        '<rect x="1" y="1" width="72" height="15" fill="#fdd835"/>' +
        '<text x="4" y="13" fill="#000000" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="12">#1 &lt;&amp;&gt; 50%</text>' +
        '</svg>',
    );
  });
});
