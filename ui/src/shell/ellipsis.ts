// Long values on one line (endpoint URLs, notification targets): the start shrinks behind an
// ellipsis as the row narrows while the end stays readable, so two routes that differ only in
// their token's last characters still look different (walkthrough #36).

/** The end of `value` that never shrinks: its last path segment when that is short, otherwise
 *  its last `tailMax` characters; empty for values short enough to show whole. */
export function splitForEllipsis(value: string, tailMax = 12): { head: string; tail: string } {
  if (value.length <= tailMax * 2) return { head: value, tail: "" };
  const slash = value.lastIndexOf("/");
  const segment = value.length - slash;
  const cut =
    slash > 0 && slash < value.length - 1 && segment <= tailMax ? slash : value.length - tailMax;
  return { head: value.slice(0, cut), tail: value.slice(cut) };
}
