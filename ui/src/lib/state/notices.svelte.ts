export type NoticeKind = 'info' | 'success' | 'error';
export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

let next = 1;

class Notices {
  list = $state<Notice[]>([]);

  push(kind: NoticeKind, text: string, ttlMs = kind === 'error' ? 10000 : 4000): void {
    const id = next++;
    this.list = [...this.list, { id, kind, text }];
    if (ttlMs > 0) setTimeout(() => this.dismiss(id), ttlMs);
  }
  info(text: string): void {
    this.push('info', text);
  }
  success(text: string): void {
    this.push('success', text);
  }
  error(text: string): void {
    this.push('error', text);
  }
  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
  }
}

export const notices = new Notices();
