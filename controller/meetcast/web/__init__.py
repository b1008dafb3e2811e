"""``meetcast web``: the live view as a web page for a phone, served from the laptop.

One :class:`meetcast.session.Session` (one connection to OBS, the same engine ``watch``
drives) feeds any number of pages over one port: the page itself over plain HTTP and its
state over a WebSocket, both from the ``websockets`` server (:mod:`.server`). The page is
plain HTML, CSS and JavaScript from ``static/``: nothing to build.

- :mod:`.access`: the random token every request must carry, the address and the URL;
- :mod:`.messages`: what a page is sent (a whitelist: no password, no stream key);
- :mod:`.actions`: what a page may ask (a scene, mute, the lower third, start/stop);
- :mod:`.qr`: the URL as a QR code in the terminal, for a phone on the LAN.
"""
