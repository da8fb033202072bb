import { useState } from 'react';

function App() {
  const [count, setCount] = useState(0);

  return (
    <main>
      <h1>Hello from React + Vite</h1>
      <p>
        Edit <code>src/App.tsx</code> and save: the page updates in place.
      </p>
      <button type="button" onClick={() => setCount((n) => n + 1)}>
        Count is {count}
      </button>
    </main>
  );
}

export default App;
