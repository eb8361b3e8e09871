"""A fake iRacing: writes a real irsdk memory map into a file and moves a scripted race in it."""
