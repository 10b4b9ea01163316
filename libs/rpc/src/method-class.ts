/** Most distinct method classes labelled in metrics; later ones count as `other`. */
export const MAX_METHOD_CLASSES = 32;
const MAX_CLASS_LENGTH = 32;

/**
 * Method classes for metric labels: `orders.create` → `orders`. Method names come from
 * clients, so the label set is bounded: the first {@link MAX_METHOD_CLASSES} classes a
 * node sees get their own label, every later one is `other`.
 */
export class MethodClasses {
  private readonly known = new Set<string>();

  constructor(private readonly max = MAX_METHOD_CLASSES) {}

  of(method: string): string {
    const dot = method.indexOf('.');
    const name = (dot === -1 ? method : method.slice(0, dot)).slice(0, MAX_CLASS_LENGTH) || 'other';
    if (this.known.has(name)) return name;
    if (this.known.size >= this.max) return 'other';
    this.known.add(name);
    return name;
  }
}
