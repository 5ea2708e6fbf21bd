// TypeScript declarations for widget-loader.js (points-kit). Contract: widget/src/lib.rs.

export type PointsWidgetType = 'points-alert' | 'points-card' | 'installments' | 'return';

export type PointsErrorCode =
  | 'POINTS_E_CONTAINER' | 'POINTS_E_TYPE' | 'POINTS_E_INPUT' | 'POINTS_E_OPTIONS'
  | 'POINTS_E_ORIGIN' | 'POINTS_E_ENV' | 'POINTS_E_ORDER' | 'POINTS_E_FETCH' | 'POINTS_E_INTERNAL';

export interface PointsWidgetOptions {
  /** Official options. */
  type: PointsWidgetType;
  lang?: 'ar' | 'en' | string;
  points?: number | string;
  container: string | HTMLElement;
  /** Checked against the build's origin, never fetched. */
  widgetUrl?: string;
  parentOrigin?: string;
  /** `installments`: where "continue shopping" goes (http(s) or a path). */
  callbackUrl?: string;
  /** points-kit additions. */
  price?: number | string;
  multiplier?: number | string;
  digits?: 'latin' | 'arabic';
  env?: 'production' | 'development' | 'sandbox';
  priceSelector?: string;
  /** `return`: the merchant server (this origin only) and the order reference parameter. */
  server?: string;
  orderParam?: string;
}

export interface PointsWidgetHandle {
  update(options: Partial<Omit<PointsWidgetOptions, 'container'>>): PointsWidgetHandle;
  destroy(): void;
  readonly mounted: boolean;
}

export interface PointsWidgetApi {
  init(options: PointsWidgetOptions): PointsWidgetHandle;
  destroy(): void;
}

export interface PointsWidgetEventDetail {
  type?: PointsWidgetType;
  state?: string;
  points?: number;
  code?: PointsErrorCode;
  message?: string;
  stillProcessing?: boolean;
}

declare global {
  interface Window {
    PointsWidget: PointsWidgetApi;
  }
  interface HTMLElementEventMap {
    'points:ready': CustomEvent<PointsWidgetEventDetail>;
    'points:updated': CustomEvent<PointsWidgetEventDetail>;
    'points:error': CustomEvent<PointsWidgetEventDetail>;
    'points:learn-more': CustomEvent<PointsWidgetEventDetail>;
    'points:dismissed': CustomEvent<PointsWidgetEventDetail>;
    'points:continue': CustomEvent<PointsWidgetEventDetail>;
  }
  interface HTMLElementTagNameMap {
    'points-widget': HTMLElement;
  }
}
