// Pagination in the registry API (dist-spec "Listing Tags", "Catalog"): the next page is named by
// an RFC 5988 Link header, `</v2/_catalog?last=x&n=100>; rel="next"`.

/** The next page's path (or URL), or undefined on the last page. */
export function nextPage(link: string | string[] | undefined): string | undefined {
  for (const value of Array.isArray(link) ? link : link ? [link] : []) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(value);
    if (m) return m[1];
  }
  return undefined;
}
