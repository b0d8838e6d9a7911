// What the browser tests' page.evaluate functions use of the page's DOM. Those functions run
// in the page, but the hub's type-check has no DOM library (adding "dom" would retype
// setTimeout, fetch and more for all of hub/), so a browser test declares the page's globals
// with these types, for its own file only:
//   declare const document: PageDocument;
// Type-only: nothing here exists at run time.

export interface PageElement {
  readonly parentElement: PageElement | null;
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly dataset: { readonly [key: string]: string | undefined };
  /** An input's labels (undefined on other elements). */
  readonly labels?: { readonly length: number };
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; width: number; height: number };
  scrollIntoView(): void;
}

export interface PageElementList extends Iterable<PageElement> {
  readonly length: number;
}

export interface PageDocument {
  readonly body: PageElement;
  readonly documentElement: PageElement & { readonly lang: string; readonly scrollWidth: number };
  readonly activeElement: PageElement | null;
  readonly cookie: string;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElementList;
  /** Walks text nodes (NodeFilter.SHOW_TEXT). */
  createTreeWalker(
    root: PageElement,
    whatToShow: number,
  ): { nextNode(): { readonly parentElement: PageElement | null; readonly textContent: string | null } | null };
}

export interface PageStyle {
  readonly backgroundColor: string;
  readonly color: string;
  readonly visibility: string;
  readonly fontWeight: string;
  readonly fontSize: string;
}

/** What the dashboard's app.js puts on window for the tests: a chart's data by room/measurement key. */
export interface PageWindow {
  readonly roomlink: {
    chart(key: string): { v: number[]; t: number[]; lo: number[]; hi: number[]; step: number } | undefined;
  };
}
