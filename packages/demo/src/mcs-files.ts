import type { TwilioEmulator } from '@flex-bridge/emulators';
import type { FlexFile } from './flex-side.js';

/** The files in MCS that a Flex message refers to by MediaSid, with the bytes the Twilio emulator stored. */
export function mcsFiles(twilio: TwilioEmulator, mediaSids: readonly string[]): FlexFile[] {
  return mediaSids.flatMap((mediaSid) => {
    const media = twilio.media(mediaSid);
    if (!media) return [];
    return [{ key: `mcs-${mediaSid}`, mediaSid, name: media.filename ?? mediaSid, contentType: media.contentType, data: media.data }];
  });
}
