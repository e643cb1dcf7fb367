/** A fixed-capacity FIFO: pushing past capacity forgets the oldest item. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    const end = (this.start + this.size) % this.capacity;
    this.items[end] = item;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  first(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.start];
  }

  /** Items from the first one matching `from` to the newest (items are ordered, so it stops searching there). */
  *after(from: (item: T) => boolean): Generator<T> {
    let i = 0;
    while (i < this.size && !from(this.items[(this.start + i) % this.capacity]!)) i++;
    for (; i < this.size; i++) yield this.items[(this.start + i) % this.capacity]!;
  }
}
