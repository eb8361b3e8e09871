"""The iRacing Data API: OAuth login, the HTTP client, the fetch plan and the importer of saved bodies."""
