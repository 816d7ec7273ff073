import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { isValidTwilioSignature, twilioSignature } from '../../src/flex/signature.js';

const token = '12345678901234567890123456789012';
const url = 'https://bridge.example.com/flex/conversations/events?x=1';

describe('twilio signature', () => {
  it('matches twilio-node for single and repeated parameters', () => {
    const params = { EventType: 'onMessageAdded', Body: 'héllo 😀', Filters: ['b', 'a'] };
    expect(twilioSignature(token, url, params)).toBe(twilio.getExpectedTwilioSignature(token, url, params));
  });

  it('rejects a tampered parameter, a different URL and a different token', () => {
    const params = { Body: 'hi' };
    const sig = twilioSignature(token, url, params);
    expect(isValidTwilioSignature(token, sig, url, params)).toBe(true);
    expect(isValidTwilioSignature(token, sig, url, { Body: 'hi!' })).toBe(false);
    expect(isValidTwilioSignature(token, sig, 'https://other.example.com/flex/conversations/events?x=1', params)).toBe(false);
    expect(isValidTwilioSignature('x'.repeat(32), sig, url, params)).toBe(false);
    expect(isValidTwilioSignature(token, '', url, params)).toBe(false);
  });
});
