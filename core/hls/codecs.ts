/** RFC 6381 codec strings read from the init segment itself, so CODECS always matches the stream. */

function findBox(buf: Buffer, type: string): number {
  return buf.indexOf(Buffer.from(type, 'latin1'));
}

/** "avc1.PPCCLL" from the avcC box: profile_idc, constraint flags, level_idc. */
export function avcCodecString(init: Buffer): string | undefined {
  const at = findBox(init, 'avcC');
  if (at < 0 || at + 8 > init.length) return undefined;
  const hex = (b: number) => b.toString(16).padStart(2, '0').toUpperCase();
  // avcC payload: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
  return `avc1.${hex(init[at + 5]!)}${hex(init[at + 6]!)}${hex(init[at + 7]!)}`.replace(
    /^avc1\.(.*)$/,
    (_, s: string) => `avc1.${s.toLowerCase()}`,
  );
}

/** "mp4a.40.N" from the esds box's AudioSpecificConfig (object type 2 = AAC-LC, 5 = HE-AAC). */
export function aacCodecString(init: Buffer): string | undefined {
  const at = findBox(init, 'esds');
  if (at < 0) return undefined;
  // The DecoderSpecificInfo tag (0x05) is followed by a size and the AudioSpecificConfig; its first 5 bits are the object type.
  for (let i = at + 8; i < Math.min(init.length - 2, at + 80); i++) {
    if (init[i] === 0x05) {
      let j = i + 1;
      while (j < init.length && (init[j]! & 0x80) !== 0) j++;
      const objectType = init[j + 1]! >> 3;
      if (objectType > 0) return `mp4a.40.${objectType}`;
    }
  }
  return 'mp4a.40.2';
}
