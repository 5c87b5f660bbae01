/** The polysim dashboard: the fleet at / (every shard's, with peers), one phone at /phones/:i (or /shards/:shard/phones/:i), live through the control API's event stream. */
import { render } from 'preact';
import { FleetPage } from './fleet.js';
import { PhonePage } from './phone.js';

function App() {
  // A phone of this port's fleet, or of a peer shard through this port (/shards/{shard}/phones/{i}).
  const m = /^(?:\/shards\/[^/]+)?\/phones\/(\d+)\/?$/.exec(location.pathname);
  return (
    <>
      <header>
        <h1>polysim</h1>
        <nav aria-label="pages">
          <a href="/">Fleet</a>
          <a href="/docs/">API explorer</a>
        </nav>
      </header>
      {m ? <PhonePage index={Number(m[1])} /> : <FleetPage />}
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
