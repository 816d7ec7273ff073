import { z } from 'zod';
import type { AgentFile } from '../conversations/agent-desk.js';

/** What the control routes take for a file an agent attaches: its bytes in base64, and the message text. */
export const AgentFileBody = z.object({
  dataBase64: z.string().min(1),
  contentType: z.string().min(1),
  filename: z.string().min(1).optional(),
  body: z.string().optional(),
  agentIdentity: z.string().min(1).optional(),
});

export function agentFileOf({ dataBase64, contentType, filename }: z.infer<typeof AgentFileBody>): AgentFile {
  return { data: Buffer.from(dataBase64, 'base64'), contentType, ...(filename !== undefined ? { filename } : {}) };
}
