/**
 * Marks a broadcast published through the history capability. Receivers give such
 * records (and only those) a `position`, and history reads return only them: a plain
 * `bus.publish` on the same topic stays a plain broadcast, exactly as on the other
 * backends, whose broadcast contract compares received messages field for field.
 */
export const HISTORY_HEADER = 'sb-history';
