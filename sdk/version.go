package sdk

// Version is this SDK's version; it is sent in the User-Agent header.
const Version = "0.1.0"
