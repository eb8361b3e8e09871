"""Fake iRacing services for tests and benches: aiohttp servers on 127.0.0.1 built from the real fixture bodies.

`oauth_server.FakeOAuth` is the OAuth server's token and authorize endpoints; `iracing_server.FakeIRacing` is the
Data API with it embedded at /oauth2 and the signed "S3" links on a second port. Import them as `fakes.<module>`
(pytest puts tests/ on the path; a bench adds it itself).
"""
