/** The chats the bridge knows of a network, for an adapter that reads back what it may have missed in them. */
export interface RecentChats {
  /**
   * External chat ids of `network` whose conversation is open or changed at or after `since`, the most
   * recently changed first, each once, at most `limit`.
   */
  recentChatIds(network: string, since: number, limit: number): Promise<string[]>;
}
