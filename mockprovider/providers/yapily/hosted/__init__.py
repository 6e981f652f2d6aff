"""Yapily Hosted Pages (spec yapily-hosted.md): hosted consent, hosted payment, Pay By Link and
hosted commercial VRP requests, Yapily's own pages, their statuses and phases, and the
`hosted_pis.*` webhooks.

A hosted request is one sandbox session whose id is the request id (`consentRequestId`,
`paymentRequestId`, `requestId`); `session.data["hosted"]` names its flow (`consent`,
`payment`, `link`, `vrp`). The bank step reuses the direct flow's sandbox bank and its
`auth.yapily.com`-style hop; the hop then shows Yapily's status screen, which sends the browser
to `redirectUrl`.
"""
