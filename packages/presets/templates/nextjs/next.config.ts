import type { NextConfig } from 'next';

// Set by Paddock when previews are served under a domain of its own (not *.localhost).
const previewDomain = process.env.PADDOCK_PREVIEW_DOMAIN;

const nextConfig: NextConfig = {
  // The build check writes to .next-build, so it never touches the running dev server's .next.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // The dev server is reached through a preview proxy, under host names like
  // 3000-<sandbox>.preview.localhost: let those pages load dev assets and HMR.
  allowedDevOrigins: ['*.preview.localhost', ...(previewDomain ? [`*.${previewDomain}`] : [])],
};

export default nextConfig;
