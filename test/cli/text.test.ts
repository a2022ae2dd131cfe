import { describe, expect, it } from 'vitest';
import { didYouMean, displayWidth, editDistance, padCells, table, truncateCells } from '../../src/cli/text';

describe('displayWidth', () => {
  it('counts East Asian wide and fullwidth characters as two cells, the rest as one', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('研判预警')).toBe(8);
    expect(displayWidth('特别重大 (especiallyMajor)')).toBe(8 + 18);
    expect(displayWidth('（剩余 30 分）')).toBe(2 + 4 + 4 + 2 + 2); // fullwidth brackets, CJK, ASCII
    expect(displayWidth('ＡＢ')).toBe(4); // fullwidth Latin
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('ひらがな')).toBe(8);
    expect(displayWidth('、。')).toBe(4);
    expect(displayWidth('🚨')).toBe(2);
  });

  it('counts combining marks, zero-width characters and controls as nothing', () => {
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth('\u0007')).toBe(0);
    expect(displayWidth('')).toBe(0);
  });
});

describe('columns', () => {
  it('pads and cuts by cells, not by string length', () => {
    expect(padCells('刘波', 6)).toBe('刘波  ');
    expect(padCells('toolong', 3)).toBe('toolong');
    expect(truncateCells('某镇一企业发生安全生产事故', 9)).toBe('某镇一企…');
    expect(displayWidth(truncateCells('某镇一企业发生安全生产事故', 9))).toBeLessThanOrEqual(9);
    expect(truncateCells('short', 9)).toBe('short');
  });

  it('table aligns every column on the same cell whatever the script', () => {
    const lines = table([['编号', '阶段', '单位'], ['a-1', '研判预警', 'x'], ['long-id-2', 'closed', '县']]);
    const starts = (line: string, cell: string) => displayWidth(line.slice(0, line.indexOf(cell)));
    expect(starts(lines[0], '阶段')).toBe(starts(lines[1], '研判预警'));
    expect(starts(lines[1], '研判预警')).toBe(starts(lines[2], 'closed'));
    expect(starts(lines[0], '单位')).toBe(starts(lines[1], 'x'));
    expect(starts(lines[1], 'x')).toBe(starts(lines[2], '县'));
  });

  it('with a header, drops columns empty in every row', () => {
    expect(table([['a', 'b', 'c'], ['1', '', '3']], { header: true })).toEqual(['a  c', '1  3']);
    expect(table([['a', 'b'], ['1', '']], { indent: '  ' })).toEqual(['  a  b', '  1']);
  });
});

describe('did you mean', () => {
  it('edit distance', () => {
    expect(editDistance('assess', 'assess')).toBe(0);
    expect(editDistance('asess', 'assess')).toBe(1);
    expect(editDistance('Report', 'report')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the nearest candidates, or none when nothing is near', () => {
    const actions = ['report', 'assess', 'dispatch', 'respond', 'release', 'reopen', 'regrade'];
    expect(didYouMean('asess', actions)).toEqual(['assess']);
    expect(didYouMean('repot', actions)).toEqual(['report']);
    expect(didYouMean('disp', actions)).toEqual(['dispatch']);
    expect(didYouMean('explode', actions)).toEqual([]);
  });
});
