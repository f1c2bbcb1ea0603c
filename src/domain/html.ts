/**
 * Escapes text for HTML element content and double- or single-quoted attributes. The one
 * escaper of the code base: payer pages, dialect forms and the simulators' pages use it.
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
