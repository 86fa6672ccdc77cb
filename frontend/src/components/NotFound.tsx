export function NotFound() {
  return (
    <div className="card not-found">
      <h1 className="page-title">Page not found</h1>
      <p>There is nothing at this address.</p>
      <a className="btn btn-primary" href="#/">
        Go to my scans
      </a>
    </div>
  );
}
