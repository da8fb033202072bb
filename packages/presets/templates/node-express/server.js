import express from 'express';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);

const app = express();
app.use(express.json());

app.get('/', (_req, res) => {
  res.type('html').send(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Express app</title>
  </head>
  <body>
    <h1>Hello from Express</h1>
    <p>Edit <code>server.js</code>: the server restarts on save.</p>
  </body>
</html>
`);
});

app.get('/api/hello', (req, res) => {
  res.json({ message: `Hello, ${req.query.name ?? 'world'}!` });
});

app.get('/healthz', (_req, res) => {
  res.type('text').send('ok');
});

app.listen(port, host, (err) => {
  if (err) throw err;
  console.log(`Listening on http://${host}:${port}`);
});
