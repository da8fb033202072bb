export default function Home() {
  return (
    <main>
      <h1>Hello from Next.js</h1>
      <p>
        Edit <code>app/page.tsx</code> and save: the page updates in place.
      </p>
    </main>
  );
}
