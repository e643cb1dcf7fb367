/**
 * A bounded FIFO: pushing past capacity forgets the oldest item. With a weight function it is
 * bounded in weight too (the SSE ring: bytes), always keeping at least the newest item.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;
  private weight = 0;

  constructor(
    readonly capacity: number,
    private readonly maxWeight = Infinity,
    private readonly weigh: (item: T) => number = () => 0,
  ) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    if (this.size === this.capacity) this.shift();
    this.items[(this.start + this.size) % this.capacity] = item;
    this.size++;
    this.weight += this.weigh(item);
    while (this.weight > this.maxWeight && this.size > 1) this.shift();
  }

  get length(): number {
    return this.size;
  }

  /** Total weight held (bytes for the SSE ring). */
  get held(): number {
    return this.weight;
  }

  first(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.start];
  }

  /** The item `index` places after the oldest, or undefined past the newest. */
  at(index: number): T | undefined {
    return index < 0 || index >= this.size ? undefined : this.items[(this.start + index) % this.capacity];
  }

  /** Items from the first one matching `from` to the newest (items are ordered, so it stops searching there). */
  *after(from: (item: T) => boolean): Generator<T> {
    let i = 0;
    while (i < this.size && !from(this.items[(this.start + i) % this.capacity]!)) i++;
    for (; i < this.size; i++) yield this.items[(this.start + i) % this.capacity]!;
  }

  private shift(): void {
    const item = this.items[this.start]!;
    this.weight -= this.weigh(item);
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.size--;
  }
}
