/**
 * The end of a paged list: reads the next page when it scrolls into view (IntersectionObserver), and offers
 * a "Load more" button for keyboards, screen readers and browsers without the observer.
 */
import { useEffect, useEffectEvent, useRef } from 'react';
import { Spinner } from './Spinner';

const LAYOUT = { display: 'flex', justifyContent: 'center', padding: '1.5rem 0' } as const;

export interface LoadMoreProps {
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  /** Start loading this far before the end is visible. */
  rootMargin?: string;
}

export function LoadMore({ hasMore, loading, onLoadMore, rootMargin = '600px 0px' }: LoadMoreProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  // The observer calls the latest onLoadMore without being re-created for each new function.
  const loadMore = useEffectEvent(() => onLoadMore());

  useEffect(() => {
    const element = sentinel.current;
    if (!hasMore || !element || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      },
      { rootMargin },
    );
    observer.observe(element);
    return () => observer.disconnect();
    // `loading` re-arms the observer: when a page did not fill the screen the end is still in view.
  }, [hasMore, loading, rootMargin]);

  if (!hasMore) return null;
  return (
    // Inline layout: the stylesheet belongs to the UI's look (issue 12), this is only spacing.
    <div className="load-more" ref={sentinel} data-testid="load-more" style={LAYOUT}>
      {loading ? (
        <Spinner label="Loading more scans…" />
      ) : (
        <button type="button" className="btn btn-secondary" onClick={onLoadMore}>
          Load more
        </button>
      )}
    </div>
  );
}
