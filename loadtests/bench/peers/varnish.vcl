# Varnish as the bench's second peer (loadtests/bench/peers.ts fills the {{...}} fields at run time).
# Storage is malloc (-s on the command line); everything else is the built-in VCL except Cookie:
# the browser-like case sends a Cookie with every request, and the built-in VCL would pass those
# to the origin, while the edge and nginx cache them by URL. Dropping it keeps all three on hits.
vcl 4.1;

backend origin {
    .host = "127.0.0.1";
    .port = "{{ORIGIN_PORT}}";
}

sub vcl_recv {
    unset req.http.Cookie;
}
