export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg className="logo" viewBox="0 0 32 32" width={size} height={size} aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--brand)" />
      <path
        fill="#fff"
        d="M7 8.5l4.2 4.3h9.6L25 8.5v9.8C25 23.6 21 27 16 27s-9-3.4-9-8.7V8.5Zm5.6 10a1.4 1.4 0 1 0 0 .01Zm6.8 0a1.4 1.4 0 1 0 0 .01ZM14.4 22h3.2L16 23.6 14.4 22Z"
      />
    </svg>
  );
}
