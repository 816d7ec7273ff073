/**
 * A late agent message joins the group (seq) of its chat's later rows unless that group is being
 * delivered, so one that came while such a row was claimed went into a group behind it. When that
 * row is given back untried (Store.postpone), they move into its group, where they sort first by
 * flex_index. `heldId` is the placeholder of the row given back; returns the moved rows' key.
 */
export const earlierMessagesJoinGroup = (heldId: string) => `
  UPDATE outbox SET seq = h.seq FROM outbox h
  WHERE h.id = ${heldId} AND outbox.key = h.key AND outbox.status = 'pending' AND outbox.flex_sid = h.flex_sid
    AND outbox.flex_index < h.flex_index AND outbox.seq > h.seq
  RETURNING outbox.key`;
